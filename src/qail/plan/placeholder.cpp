// Stage 'plan': see ARCHITECTURE.md. Implemented in a later milestone.
