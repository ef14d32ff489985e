import numpy as np
import tensorflow as tf

t = tf.constant([1.0, 2.0, 3.0])
a = np.array([0.5, 0.25, 2.0])
print(t * a)
print(a * t)
print(a + t, type(a + t).__name__)
print(tf.constant([1.0], dtype=tf.float64) * np.array([3.0]))
print(t.numpy() * a)
