import numpy as np
import tensorflow as tf

a = np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]])
t = tf.constant(a)
print(a[:, 1], t[:, 1])
print(a[1], t[1])
print(a[:, None, 0].shape, t[:, None, 0].shape)
print(a[0, ::-1])
print(t[0, ::-1])
print(a.T)
print(tf.transpose(t))
