import tensorflow as tf
import numpy as np

print(tf.range(2000))
print(tf.zeros((40, 40)))
print(tf.range(30, dtype=tf.float32) * 0.37)
print(tf.constant([1e-5, 123456.0, 3.0]))
print(tf.constant([[True, False], [False, True]]))
print(tf.reshape(tf.range(24), (2, 3, 4)))
print(np.arange(2000))
print(np.linspace(0, 1, 11))
print(tf.constant([1e10, -2.5]))
print(tf.math.log(tf.constant([0.0, -1.0, 1.0])))
print(tf.constant([-0.0, 0.0, 1.0]))
