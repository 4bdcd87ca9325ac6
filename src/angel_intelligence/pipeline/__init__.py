"""The pipeline's stages, one module each, with typed inputs and outputs."""
