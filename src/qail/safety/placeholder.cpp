// Stage 'safety': see ARCHITECTURE.md. Implemented in a later milestone.
