import tensorflow as tf

z = tf.cast(tf.linspace(-3, 3, 7), tf.float32)
with tf.GradientTape(persistent=True) as g:
    g.watch(z)
    r = tf.nn.relu(z)
    lr = tf.nn.leaky_relu(z, alpha=0.01)
    s = tf.math.sigmoid(z)
    t = tf.math.tanh(z)
for name, act in [('relu', r), ('leaky_relu', lr), ('sigmoid', s), ('tanh', t)]:
    print(name, act.numpy())
    print('  gradient', g.gradient(act, z).numpy())
del g
