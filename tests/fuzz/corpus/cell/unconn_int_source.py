import tensorflow as tf

n = tf.constant(4)
f = tf.constant(4.0)
with tf.GradientTape(persistent=True) as g:
    g.watch(n)
    g.watch(f)
    yn = n * n
    yf = f * f
print(yn, g.gradient(yn, n))
print(yf, g.gradient(yf, f))
