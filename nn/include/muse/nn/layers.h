// Every nn layer: Module and Sequential, Linear, Identity, Flatten, Unflatten, the activations,
// Dropout, Dropout2d, BatchNorm1d and BatchNorm2d, Conv2d and ConvTranspose2d, the pooling, upsampling
// and padding layers, Embedding, LayerNorm, the recurrent layers (LSTM, GRU and their cells), the
// encoder-decoder attentions (Luong, Bahdanau), MultiheadAttention, the Transformer layers and the
// positional encodings, with torch.nn's names, arguments, printing and state_dict keys.
#pragma once

#include "muse/nn/activation.h"
#include "muse/nn/batchnorm.h"
#include "muse/nn/conv.h"
#include "muse/nn/dropout.h"
#include "muse/nn/embedding.h"
#include "muse/nn/flatten.h"
#include "muse/nn/layer_norm.h"
#include "muse/nn/linear.h"
#include "muse/nn/module.h"
#include "muse/nn/multihead_attention.h"
#include "muse/nn/padding.h"
#include "muse/nn/pool.h"
#include "muse/nn/positional.h"
#include "muse/nn/rnn.h"
#include "muse/nn/seq_attention.h"
#include "muse/nn/sequential.h"
#include "muse/nn/transformer.h"
#include "muse/nn/upsample.h"
