import tensorflow as tf
x = tf.constant([[1.0, 2.0]])
with tf.GradientTape() as g:
    g.watch(x)
    y = x * x
print(g.gradient(y, x))
J = g.batch_jacobian(y, x, experimental_use_pfor=False)
