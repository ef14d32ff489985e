import tensorflow as tf

W = tf.Variable([1.0, -2.0, 3.0])
with tf.GradientTape(persistent=True) as tape:
    i = tf.cast(W, tf.int32)
    f = tf.cast(i, tf.float32)
    y = tf.reduce_sum(f * W)
    m = tf.reduce_max(tf.stack([W, W]))
    w = tf.where(W > 0, tf.sqrt(W), tf.zeros_like(W))
print(tape.gradient(y, W))
print(tape.gradient(y, [W, W]))
print(tape.gradient(m, W))
print(tape.gradient(w, W))
print(tape.gradient([y, m], W, output_gradients=[tf.constant(2.0), tf.constant(3.0)]))
print(tape.gradient(i, W))
print(tape.jacobian(m, W))
print(tape.gradient(y, i))
