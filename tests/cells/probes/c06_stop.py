import tensorflow as tf

x = tf.Variable(3.0)
w = tf.Variable(2.0, trainable=False)
with tf.GradientTape() as tape:
    y = tf.stop_gradient(x * x) + x * w
dx, dw = tape.gradient(y, [x, w])
print(dx, dw)
print(w.trainable, x.trainable)
print(w)
