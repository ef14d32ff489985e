import tensorflow as tf
import numpy as np

x = tf.constant([76, 120, 37.5])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable([[0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
                 [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]])

with tf.GradientTape(persistent = False) as g:
  z = tf.linalg.matvec(W, xB)
  a = tf.nn.softmax(z)
  yhat = a
  L = tf.reduce_sum(-y*tf.math.log(yhat))

print('Loss = %f'%(L))
gradL_yhat = g.gradient(L, yhat)
grada_z = g.gradient(a, z)
gradz_W = g.gradient(z, W)
gradL_W = g.gradient(L, W)
del g

z = tf.linspace(-10, 10, 129)
with tf.GradientTape(persistent = True) as g:
    g.watch(z)
    a_sigmoid = tf.math.sigmoid(z)
    a_tanh = tf.math.tanh(z)
    a_ReLU = z * tf.cast((z > 0), tf.float64)
    a_LReLU = a_ReLU + 0.01*z*tf.cast((z <= 0), tf.float64)

grada_sigmoid_z = g.gradient(a_sigmoid, z)
grada_tanh_z = g.gradient(a_tanh, z)
grada_ReLU_z = g.gradient(a_ReLU, z)
grada_LReLU_z = g.gradient(a_LReLU, z)
