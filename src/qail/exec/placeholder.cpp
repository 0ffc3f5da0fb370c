// Stage 'exec': see ARCHITECTURE.md. Implemented in a later milestone.
