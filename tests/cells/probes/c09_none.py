import tensorflow as tf

W = tf.Variable([1.0, 2.0])
U = tf.Variable([3.0, 4.0])
with tf.GradientTape() as tape:
    L = tf.reduce_sum(W * 2.0)
dU = tape.gradient(L, U)
print(dU)
U.assign_sub(0.1 * dU)
