import tensorflow as tf
import numpy as np

t = tf.constant([1.0, 4.0, 9.0])
print(np.sqrt(t))
print(np.sum(t), np.mean(t))
print(np.array(t))
print(np.asarray(t).dtype)
print(t + np.array([1.0, 1.0, 1.0]))
print(np.array([1.0, 1.0, 1.0]) + t)
print(np.dot(t, t))
print(np.exp(t) * 0)
