"""Request and response models (re-exported by the package facade)."""
