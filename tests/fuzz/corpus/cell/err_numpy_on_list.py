import tensorflow as tf

w = tf.Variable(1.0)
b = tf.Variable(2.0)
with tf.GradientTape() as g:
    y = 3 * w + b
grads = g.gradient(y, [w, b])
print(grads)
print(grads.numpy())
