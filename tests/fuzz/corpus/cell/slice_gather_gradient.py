import tensorflow as tf

E = tf.Variable([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
ids = tf.constant([2, 0, 2])
with tf.GradientTape() as g:
    rows = tf.gather(E, ids)
    L = tf.reduce_sum(rows * rows)
dE = g.gradient(L, E)
print(rows)
print(dE)
print(tf.multiply(dE, 1.0))
E.assign_sub(0.1 * dE)
print(E)
