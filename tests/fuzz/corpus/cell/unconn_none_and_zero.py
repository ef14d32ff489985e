import tensorflow as tf

w = tf.Variable([1.0, 2.0])
b = tf.Variable(0.5)
with tf.GradientTape(persistent=True) as g:
    L = tf.reduce_sum(w * w)
print(g.gradient(L, b))
print(g.gradient(L, b, unconnected_gradients=tf.UnconnectedGradients.ZERO))
grads = g.gradient(L, [w, b])
print(grads)
print(g.gradient(L, [w, b], unconnected_gradients=tf.UnconnectedGradients.ZERO))
del g
