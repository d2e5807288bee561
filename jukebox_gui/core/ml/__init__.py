"""The only package that imports TensorFlow / Keras. Import its modules lazily."""

import os

# Keep TensorFlow's C++ INFO/WARNING lines off the user's terminal (errors still show).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
