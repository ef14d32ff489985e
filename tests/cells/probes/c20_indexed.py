import tensorflow as tf

E = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
with tf.GradientTape() as tape:
    rows = tf.gather(E, [0, 2])
    L = tf.reduce_sum(rows ** 2)
dE = tape.gradient(L, E)
print(dE)
E.assign_sub(dE)
print(E)
