import tensorflow as tf

x = tf.constant([76.0, 120.0, 37.5])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable(0.01*(tf.constant([[1.51, 0.42, -0.42, -1.04], [-1.24, 0.47, -0.01, 1.19]])))

with tf.GradientTape(persistent = True) as g:
  z = tf.linalg.matvec(W, xB)
  a = tf.nn.softmax(z)

grada_z = g.gradient(a, z)
Ja_z = g.jacobian(a, z)
Jz_W = g.jacobian(z, W)
print('gradient of a w.r.t. z:', grada_z.shape)
print(grada_z)
print('jacobian of a w.r.t. z:', Ja_z.shape)
print(Ja_z)
print('jacobian of z w.r.t. W:', Jz_W.shape)
print(Jz_W)
print('column sums of the jacobian:', tf.reduce_sum(Ja_z, axis=0))
del g
