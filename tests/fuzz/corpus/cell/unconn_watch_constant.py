import tensorflow as tf

x = tf.constant(3.0)
v = tf.Variable(3.0)
with tf.GradientTape(persistent=True) as g:
    y1 = x ** 2
    y2 = v ** 2
print(g.gradient(y1, x), g.gradient(y2, v))
with tf.GradientTape() as g2:
    g2.watch(x)
    y1 = x ** 2
print(g2.gradient(y1, x))
