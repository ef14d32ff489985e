import numpy as np
import tensorflow as tf

s = np.sum(np.array([0.1, 0.2]))
f = tf.constant(0.1).numpy()
print(s, type(s).__name__)
print(f, type(f).__name__)
print(f * 3, type(f * 3).__name__)
print(f * np.float32(3), float(f))
n = np.size(np.zeros((2, 3)))
print(n, type(n).__name__, np.exp(1.0), np.log(np.exp(2.0)))
