import numpy as np
import tensorflow as tf

xB = tf.constant([76.0, 120.0, 37.5, 1.0])
W = tf.Variable(0.01*tf.ones((2, 4)))
xB_np = xB.numpy().reshape(-1, 1)
z = np.dot(W.numpy(), xB_np)
a = tf.nn.softmax(z, axis=0).numpy().flatten()
y = np.array([1.0, 0.0])
print(xB_np.shape, z.shape, a.shape, y.shape)
print(xB_np.dtype, z.dtype, a.dtype, y.dtype)
print((-y / a).dtype, (a * a).dtype)
print(a.reshape(-1, 1).T.shape, a.reshape(2, 1).shape)
print(z)
print(a)
print(np.identity(2) - a.reshape(-1, 1).T)
