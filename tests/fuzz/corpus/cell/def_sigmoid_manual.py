import tensorflow as tf

def sigmoid(z):
    return 1 / (1 + tf.exp(-z))

z = tf.constant([-2.0, 0.0, 3.0])
with tf.GradientTape(persistent=True) as g:
    g.watch(z)
    mine = sigmoid(z)
    ref = tf.math.sigmoid(z)
print(mine)
print(ref)
print(g.gradient(mine, z))
print(g.gradient(ref, z))
