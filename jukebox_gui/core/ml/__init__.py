"""The only package that imports TensorFlow / Keras. Import its modules lazily."""
