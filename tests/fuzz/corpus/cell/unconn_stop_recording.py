import tensorflow as tf

x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as g:
    a = x * 3.0
    with g.stop_recording():
        b = x * 5.0
    c = a + b
print(a, b, c)
print(g.gradient(c, x))
print(g.gradient(b, x))
del g
