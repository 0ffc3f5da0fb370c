// Stage 'introspect': see ARCHITECTURE.md. Implemented in a later milestone.
