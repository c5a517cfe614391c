"""Synthetic scans of Albanian municipal documents with exact ground truth.

``generate.generate_corpus`` writes a corpus (single documents, a scanning-station batch with cover and
separator sheets, and a stack without sheets) and ``truth`` holds the JSON models describing it. The corpus
is the demo data, the test fixture source and the benchmark set, so documents imitate real ones: issuing
bodies, labelled fields, tables, stamps and signatures, several title wordings, small skew, rotated
pages, noise and JPEG compression.
"""
