import tensorflow as tf

W = tf.Variable([1.0, 2.0], name="W")
b = tf.Variable(0.5)
with tf.GradientTape() as g:
    y = tf.reduce_sum(W * b)
print(g.watched_variables())
print(type(W))
print(type(y))
print(y.dtype, W.dtype)
print(W.shape[0], tf.shape(W)[0])
grads = g.gradient(y, [W, b])
for v, gr in zip([W, b], grads):
    print(v.name, gr.shape, gr)
