import tensorflow as tf

w1 = tf.Variable(2.0)
w2 = tf.Variable(-1.0)
with tf.GradientTape(watch_accessed_variables=False) as g:
    g.watch(w1)
    y = w1 ** 2 * w2
print(g.watched_variables())
d1, d2 = g.gradient(y, [w1, w2])
print(d1, d2)
