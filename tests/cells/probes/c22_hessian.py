import tensorflow as tf

x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = tf.reduce_sum(x ** 3) + x[0] * x[1]
    g = t1.gradient(y, x)
H = t2.jacobian(g, x)
print(g)
print(H)
print(H.numpy())
