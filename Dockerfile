# One image for both halves: `npm run start:api` and `npm run start:workers`.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY config ./config
COPY src ./src
COPY workers ./workers
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
