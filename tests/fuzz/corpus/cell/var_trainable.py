import tensorflow as tf

w = tf.Variable(2.0)
step = tf.Variable(0.0, trainable=False)
print(w.trainable, step.trainable)
with tf.GradientTape() as g:
    y = w * w + step * w
dw, dstep = g.gradient(y, [w, step])
print(dw)
print(dstep)
