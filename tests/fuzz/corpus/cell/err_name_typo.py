import tensorflow as tf

W = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
x = tf.constant([1.0, -1.0])
with tf.GradientTape() as g:
    L = tf.reduce_sum(tf.linalg.matvec(W, x) ** 2)
grad_W = g.gradient(L, W)
print('Loss = %f' % L)
print(gradW)
