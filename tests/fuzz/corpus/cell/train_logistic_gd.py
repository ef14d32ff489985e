import tensorflow as tf

x = tf.constant([-2.0, -1.5, -0.5, 0.5, 1.0, 2.5])
y = tf.constant([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
w = tf.Variable(0.1)
b = tf.Variable(0.0)
for i in range(50):
    with tf.GradientTape() as tape:
        p = tf.math.sigmoid(w * x + b)
        L = -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))
    grads = tape.gradient(L, [w, b])
    w.assign_sub(0.5 * grads[0])
    b.assign_sub(0.5 * grads[1])
    if (i + 1) % 10 == 0:
        print(f"epoch {i + 1}: loss {L:.5f}")
pred = tf.cast(tf.math.sigmoid(w * x + b) > 0.5, tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(pred, y), tf.float32))
print('accuracy:', accuracy.numpy())
print(pred)
