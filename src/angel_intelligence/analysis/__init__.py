"""Call analysis: client config, prompts, constrained output, validation, British English.

The stage other code calls is `CallAnalyser.analyse`; configs are resolved with
`ClientConfigResolver.resolve` (or `resolve_config`) and checked with `validate_config_data`.
See docs/analysis.md.
"""
