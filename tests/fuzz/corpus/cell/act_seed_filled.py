import tensorflow as tf

z = tf.linspace(-10, 10, 129) # A tf.Tensor, not a tf.Variable

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

print(z.dtype, z.shape)
print(a_sigmoid[60:69])
print(grada_sigmoid_z[60:69])
print(grada_tanh_z[60:69])
print(grada_ReLU_z)
print(grada_LReLU_z[60:69])
print('max gradients:', tf.reduce_max(grada_sigmoid_z), tf.reduce_max(grada_tanh_z))
