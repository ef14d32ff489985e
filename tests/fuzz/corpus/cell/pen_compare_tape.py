import numpy as np
import tensorflow as tf

x = tf.constant([76.0, 120.0, 37.5])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, tf.ones(1)], axis=0)
W = tf.Variable(0.01*tf.constant([[1.51, 0.42, -0.42, -1.04], [-1.24, 0.47, -0.01, 1.19]]))
with tf.GradientTape() as g:
    a = tf.nn.softmax(tf.linalg.matvec(W, xB))
    L = tf.reduce_sum(-y*tf.math.log(a))
gradL_W = g.gradient(L, W)

a_np = a.numpy()
by_hand = np.outer(a_np - y.numpy(), xB.numpy())
print(by_hand)
print(gradL_W.numpy())
print('same gradient:', np.allclose(by_hand, gradL_W.numpy(), atol=1e-4))
print(by_hand.dtype, gradL_W.dtype)
