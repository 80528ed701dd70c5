"""Bundled data shipped inside the wheel as ``rnnviz.assets``: texts, presets and icons."""
