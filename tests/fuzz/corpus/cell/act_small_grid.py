import tensorflow as tf

z = tf.linspace(-2, 2, 9)
with tf.GradientTape(persistent=True) as g:
    g.watch(z)
    a_ReLU = z * tf.cast((z > 0), tf.float64)
    a_LReLU = a_ReLU + 0.01*z*tf.cast((z <= 0), tf.float64)
print(z)
print(a_ReLU)
print(a_LReLU)
print(g.gradient(a_ReLU, z))
print(g.gradient(a_LReLU, z))
del g
