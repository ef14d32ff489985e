import tensorflow as tf

x = tf.constant([0.0, 0.5, 1.0, 2.0])
with tf.GradientTape() as t2:
    t2.watch(x)
    with tf.GradientTape() as t1:
        t1.watch(x)
        y = tf.math.sin(x)
    dy = t1.gradient(y, x)
d2y = t2.gradient(dy, x)
print(dy)
print(d2y)
print(-tf.math.sin(x))
