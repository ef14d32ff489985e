import tensorflow as tf

x = tf.constant([76.0, 120.0, 37.5])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable(0.01*(tf.constant([[1.51, 0.42, -0.42, -1.04], [-1.24, 0.47, -0.01, 1.19]])))

with tf.GradientTape(persistent = False) as g:
  z = tf.linalg.matvec(W, xB)
  a = tf.nn.softmax(z)
  yhat = a
  L = tf.reduce_sum(-y*tf.math.log(yhat))

print('Loss = %f'%(L))
print('Gradient of L w.r.t. yhat')
gradL_yhat = g.gradient(L, yhat)
print(gradL_yhat)
print('-----')
print('Gradient of a w.r.t. z')
grada_z = g.gradient(a, z)
print(grada_z)
print('-----')
print('Gradient of z w.r.t. W')
gradz_W = g.gradient(z, W)
print(gradz_W)
print('-----')
print('Gradient of L w.r.t. W')
gradL_W = g.gradient(L, W)
print(gradL_W)

# Delete gradient tape and release memory
del g
