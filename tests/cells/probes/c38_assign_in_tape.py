import tensorflow as tf

W = tf.Variable([1.0, 2.0])
with tf.GradientTape(persistent=True) as tape:
    a = tf.reduce_sum(W * W)
    W.assign(W * 0.5)
    b = tf.reduce_sum(W * W)
print(tape.gradient(a, W), tape.gradient(b, W))
print(tape.gradient(a + b, W))
print(W)
