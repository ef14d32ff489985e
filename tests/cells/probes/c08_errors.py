import tensorflow as tf
import numpy as np

X = np.array([[1.0, 2.0]])
W = tf.Variable([[1.0], [2.0]])
print(tf.matmul(X, W))
