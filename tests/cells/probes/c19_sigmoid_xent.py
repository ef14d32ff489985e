import tensorflow as tf

logits = tf.Variable([[0.5, -1.0], [2.0, 0.1]])
labels = tf.constant([[1.0, 0.0], [0.0, 1.0]])
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
print(loss)
print(tape.gradient(loss, logits))
