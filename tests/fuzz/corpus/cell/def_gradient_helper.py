import tensorflow as tf

def derivative(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.math.sin(x)
    return tape.gradient(y, x)

for v in [0.0, 1.0, 2.5]:
    d = derivative(tf.constant(v))
    print('f\'(%.1f) = %.6f' % (v, d))
print(derivative(tf.constant([0.5, -0.5])))
