"""The learned verifier in the site: train it from a profile's corrections, show and use it."""
