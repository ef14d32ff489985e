import tensorflow as tf

W = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
with tf.GradientTape() as g:
    L = tf.reduce_sum(W[:, 1] ** 2) + W[0, 0]
dW = g.gradient(L, W)
print(L)
print(dW)
