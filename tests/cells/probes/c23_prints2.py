import tensorflow as tf
import numpy as np

a = tf.range(12, dtype=tf.float64) / 7.0
print(a)
print(repr(a))
print(a.numpy())
b = tf.reshape(tf.range(60, dtype=tf.float32) * 1.37, (3, 20))
print(b)
print(repr(b))
iv = tf.Variable([1, 2, 3])
print(iv.assign_add([1, 1, 1]))
print(repr(iv))
w = tf.Variable(tf.reshape(tf.range(6, dtype=tf.float32), (2, 3)) / 3.0)
print(w)
print(w.numpy())
print([w.numpy(), w.numpy().sum()])
print(tf.constant([[1e-3, 1e3], [1e5, 1e-5]]))
print(np.array([[1e-3, 1e3], [1e5, 1e-5]]))
print(tf.constant(np.pi, dtype=tf.float64), tf.constant(np.pi))
print(tf.constant([np.nan, np.inf, -np.inf]))
print(tf.zeros((2, 0)))
print(tf.ones((1, 1, 1)))
print(tf.constant([0.5]) == 0.5)
