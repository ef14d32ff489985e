import numpy as np
import tensorflow as tf

W = tf.Variable([[0.2, -0.4], [0.6, 0.1]])
x = tf.constant([1.0, 3.0])
Wn = W.numpy()
xn = x.numpy()
z = np.dot(Wn, xn)
print(z, z.dtype)
e = np.exp(z)
print(e / np.sum(e))
print(np.log(e), np.sum(Wn), np.size(Wn))
print(np.outer(xn, xn))
