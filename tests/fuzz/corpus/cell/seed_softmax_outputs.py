import tensorflow as tf

x = tf.constant([64.0, 135.0, 36.9])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable(0.01*(tf.constant([[0.8, -0.3, 1.1, 0.2], [-0.5, 0.9, -1.3, 0.7]])))

with tf.GradientTape() as g:
  z = tf.linalg.matvec(W, xB)
  a = tf.nn.softmax(z)
  yhat = a
  L = tf.reduce_sum(-y*tf.math.log(yhat))

gradL_W = g.gradient(L, W)
print('Loss = %f' % L)
print('Gradient of L w.r.t. W')
print(gradL_W)
