// Stage 'diff': see ARCHITECTURE.md. Implemented in a later milestone.
