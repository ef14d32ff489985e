import tensorflow as tf

x = tf.Variable(2.0)
with tf.GradientTape() as g:
    y = x ** 2
    z = 3 * y
print('dz/dx =', g.gradient(z, x))
print('dy/dx =', g.gradient(y, x))
